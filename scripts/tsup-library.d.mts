import type { Options } from 'tsup';

export declare function esmOnlyDependencies(packageDir: string): string[];
export declare function libraryConfig(library: {
  entry: Record<string, string>;
  esmOnlyEntry?: Record<string, string>;
  platform?: 'browser' | 'node';
  target?: string;
  external?: string[];
  banner?: string;
  /** Dependencies bundled into the ES module build as well (the parts used). */
  inline?: string[];
  extra?: Options[];
}): Options[];
/** The esbuild plugin that makes inlined dependencies create their TextEncoder/TextDecoder on use. */
export declare const lazyTextCodecs: import('esbuild').Plugin;
