module.exports = require('./build/Release/isal_deflate.node');
