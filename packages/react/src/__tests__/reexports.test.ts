import { describe, expect, it } from 'vitest';
import * as core from '@qlik-auth/core';
import * as react from '../index.js';

describe('@qlik-auth/react re-exports', () => {
  it('re-exports every value of @qlik-auth/core, the same object', () => {
    const missing = Object.keys(core).filter(
      (name) =>
        (react as Record<string, unknown>)[name] !== (core as Record<string, unknown>)[name],
    );
    expect(missing).toEqual([]);
    expect(Object.keys(core).length).toBeGreaterThan(0);
  });
});
