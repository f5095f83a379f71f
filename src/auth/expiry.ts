/** setTimeout's largest delay (2^31 - 1 ms, 24.8 days); a longer one fires at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once the token with this `exp` (seconds since the epoch) has expired, and returns a
 * function that cancels it. Lifetimes up to JWT_EXPIRES_IN's 30 days exceed setTimeout's limit,
 * so a long wait is taken in steps. The timer never keeps the process alive on its own.
 */
export function onExpiry(exp: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = exp * 1000 - Date.now();
    if (left <= 0) {
      timer = undefined;
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
