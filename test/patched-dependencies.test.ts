import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * patches/@whatwg-node+promise-helpers+1.3.2.patch (applied by `postinstall`) gives the
 * promise-helpers that Yoga, Envelop and @whatwg-node/server load the code of its 2.0.2: no
 * throwaway fake promises on the synchronous path of every plugin hook. An install where the
 * patch did not apply still works, only slower; this says so instead.
 */
const fromYoga = createRequire(createRequire(import.meta.url).resolve('graphql-yoga'));
const fromEnvelop = createRequire(fromYoga.resolve('@envelop/core'));

describe('@whatwg-node/promise-helpers, as Yoga and Envelop load it', () => {
  for (const [who, load] of [
    ['graphql-yoga', fromYoga],
    ['@envelop/core', fromEnvelop],
  ] as const) {
    it(`is the patched one for ${who}: fake promises share one prototype`, () => {
      const helpers = load('@whatwg-node/promise-helpers');
      const fake = helpers.fakePromise(1);
      expect(Object.hasOwn(fake, 'then')).toBe(false);
      expect(typeof fake.then).toBe('function');
    });
  }

  it("keeps 1.x's API, which Envelop 5 re-exports (mapMaybePromise)", () => {
    const helpers = fromEnvelop('@whatwg-node/promise-helpers');
    expect(helpers.mapMaybePromise(2, (x: number) => x * 2)).toBe(4);
    return expect(helpers.mapMaybePromise(Promise.resolve(2), (x: number) => x * 3)).resolves.toBe(6);
  });

  it('answers a synchronous hook synchronously and routes a thrown input to onError', () => {
    const { handleMaybePromise, iterateAsync } = fromEnvelop('@whatwg-node/promise-helpers');
    expect(
      handleMaybePromise(
        () => 1,
        (x: number) => x + 1,
      ),
    ).toBe(2);
    expect(
      handleMaybePromise(
        () => {
          throw new Error('boom');
        },
        () => 'ok',
        (e: Error) => `caught ${e.message}`,
      ),
    ).toBe('caught boom');
    const seen: number[] = [];
    // Every hook ran, in order, with nothing left pending: the result is not a promise.
    expect(iterateAsync([1, 2, 3], (x: number) => void seen.push(x))).toBeUndefined();
    expect(seen).toEqual([1, 2, 3]);
  });
});
