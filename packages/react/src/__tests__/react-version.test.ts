import { version as reactVersion } from 'react';
import { version as reactDomVersion } from 'react-dom';
import { expect, it } from 'vitest';

it('runs on the React major version of its test project (18 or 19), react-dom alike', () => {
  expect(reactVersion.split('.')[0]).toBe(process.env.REACT_MAJOR);
  expect(reactDomVersion).toBe(reactVersion);
});
