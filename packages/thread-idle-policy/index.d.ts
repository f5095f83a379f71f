export interface ThreadIdlePolicy {
  /**
   * Puts thread `tid` (a Linux thread id of this process, from /proc/self/task) under SCHED_IDLE.
   * Throws with the system's reason (EPERM, ESRCH, EINVAL) where it refuses; off Linux the addon
   * is not built. Unprivileged, only this direction is allowed: a thread cannot be put back.
   */
  setIdle(tid: number): void;
  /** Whether thread `tid` is under SCHED_IDLE now. */
  isIdle(tid: number): boolean;
}

/** null where the addon was not built (no compiler at install time, or not Linux). */
declare const addon: ThreadIdlePolicy | null;
export = addon;
