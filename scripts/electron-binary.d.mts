/** See electron-binary.mjs. */
export function electronBinary(): string | undefined;
