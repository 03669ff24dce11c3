/**
 * IPC between the preload and the main process that the page never sees. The prefix differs from the
 * contract's `lading:` channels, so `window.lading.call` (limited to contract names) can never reach it.
 */

/** Preload → main (send): absolute paths of files the user just dropped on the window or picked in a file input. */
export const FILES_CHOSEN_CHANNEL = 'lading-internal:files-chosen';

/** Longest path accepted on that channel; anything longer is not a path the OS gave us. */
export const MAX_CHOSEN_PATH_LENGTH = 4096;

/** At most this many paths per message (one drop). */
export const MAX_CHOSEN_PATHS = 256;
