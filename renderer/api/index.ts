/**
 * The renderer's one door to the main process. `getApi()` is `window.lading` inside Electron (the preload
 * exposes it) and the bridge transport in a browser; tests install their own with `setApi()`.
 */
import type { CallName, CallRequest, CallResponse, LadingApi, Result } from '../../shared/contract';
import type { ErrorInfo } from '../../shared/types';
import { createBridgeTransport, takeBridgeToken } from './bridge-transport';
import { ApiError } from './errors';

export { ApiError, toErrorInfo } from './errors';

declare global {
  interface Window {
    lading?: LadingApi;
  }
}

let current: LadingApi | null = null;

function missingBridge(): LadingApi {
  const error: ErrorInfo = {
    code: 'bridge-unauthorized',
    message: 'This page was opened without the bridge secret.',
    hint: 'Open the full URL that `lading serve` (or `npm run web`) printed, including #token=…',
  };
  const failed = { ok: false, error } as const;
  return { call: async () => failed, on: () => () => {}, resolveFile: async () => failed };
}

export function getApi(): LadingApi {
  if (current) return current;
  if (typeof window !== 'undefined' && window.lading) {
    current = window.lading;
  } else {
    const token = takeBridgeToken();
    current = token ? createBridgeTransport(token) : missingBridge();
  }
  return current;
}

/** For component tests: an in-process fake of `window.lading`. */
export function setApi(api: LadingApi | null): void {
  current = api;
}

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error);
}

/** Calls the main process and throws an ApiError on failure (what react-query wants). */
export async function call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
  return unwrap(await getApi().call(name, request));
}
