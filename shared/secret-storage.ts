/**
 * What the app and `lading serve` say when saved secrets are in the encrypted file store: with no OS
 * keychain or credential helper, the key lives beside the ciphertexts, so anyone who can read the user's
 * files can read the secrets (as with Docker's config.json).
 */
/** The line `lading serve` and `npm run web` print on stderr when that is so. */
export const fileStoreNote = () => `Note: ${FILE_STORE_WARNING}`;

export const FILE_STORE_WARNING =
  'no system keychain or Docker credential helper is available, so saved passwords and tokens are encrypted with a key kept beside them in Lading\'s settings folder: anyone who can read your files can read them. Set "credsStore" in ~/.docker/config.json to a credential helper (osxkeychain, wincred, secretservice, pass) and Lading keeps them there instead, or use "the credentials found on this machine".';
