'use strict';

/**
 * Preloaded (`node --require`) into a test's Strapi process to make its clock run
 * IFLYCHAT_CLOCK_SKEW_MS ahead (or behind, when negative): `Date.now()` and `new Date()` shift,
 * as they would on a server whose clock is wrong. Timers are untouched.
 */
const skew = Number(process.env.IFLYCHAT_CLOCK_SKEW_MS ?? 0);
if (skew !== 0) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + skew);
      else super(...args);
    }

    static now() {
      return RealDate.now() + skew;
    }
  }
  globalThis.Date = SkewedDate;
}
