/** A read-only mapping of a -shm file's first page, from map(). */
export type HeaderMap = { readonly __headerMap: unique symbol };

export interface WalIndexHeader {
  /**
   * Maps the first page of `fd` (an open descriptor of the -shm file, which stays the caller's:
   * never close it while the database is open). Throws when the file is shorter than a header.
   */
  map(fd: number): HeaderMap;
  /** Copies the 96-byte WAL-index header into `into` (at least 96 bytes). */
  copy(map: HeaderMap, into: Buffer): void;
  /**
   * An ArrayBuffer of the 96 header bytes over the mapping itself (the same one each call): reading
   * it makes no call into native code. It keeps the mapping alive, and unmap() detaches it (its
   * length becomes 0). Throws once unmapped, or where the runtime allows no external ArrayBuffers.
   */
  view(map: HeaderMap): ArrayBuffer;
  /** Unmaps it, detaching its view; copy() and view() throw afterwards. */
  unmap(map: HeaderMap): void;
}

/** null where the addon was not built (no compiler at install time). */
declare const addon: WalIndexHeader | null;
export = addon;
