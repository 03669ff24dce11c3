/**
 * crc32_combine from zlib (multmodp / x2nmodp over GF(2)): the CRC-32 of A‖B from crc(A), crc(B) and
 * len(B). Parallel gzip computes each block's CRC in its worker and joins them here, so the main thread
 * never has to run CRC over the data.
 */
const POLY = 0xedb88320;

function multmodp(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  let bb = b >>> 0;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= bb;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    bb = bb & 1 ? (bb >>> 1) ^ POLY : bb >>> 1;
  }
  return p >>> 0;
}

const X2N: number[] = (() => {
  const table: number[] = [];
  let p = 0x40000000; // x^1
  table.push(p);
  for (let n = 1; n < 32; n++) {
    p = multmodp(p, p);
    table.push(p);
  }
  return table;
})();

/** x^(n * 2^k) mod p(x). */
function x2nmodp(n: number, k: number): number {
  let p = 0x80000000; // x^0
  let nn = n;
  let kk = k;
  while (nn > 0) {
    if (nn % 2 === 1) p = multmodp(X2N[kk & 31] as number, p);
    nn = Math.floor(nn / 2);
    kk++;
  }
  return p >>> 0;
}

export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  return (multmodp(x2nmodp(len2, 3), crc1 >>> 0) ^ (crc2 >>> 0)) >>> 0;
}
