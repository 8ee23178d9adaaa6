// Imported when the program runs, not when SST reads the config: `sst install` evaluates the
// config before it installs the platform that holds @pulumi/random.
const { RandomBytes } = await import("@pulumi/random");

/**
 * Signs list cursors (packages/core/src/page) so that no client can make one up. 32 random bytes
 * made once per stage and kept, as a secret, in the stage's state; should it ever be replaced,
 * only the cursors handed out before stop working (a 400 asking for the list again).
 */
const bytes = new RandomBytes("CursorKeyBytes", { length: 32 });

/** What the API reads as `Resource.CursorKey.value`. */
export const cursorKey = new sst.Linkable("CursorKey", {
  properties: { value: bytes.base64 },
});
