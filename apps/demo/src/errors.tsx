import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { QlikAuthError } from '@qlik-auth/react';

/** One failure the demo saw, with where it happened. */
export interface LoggedError {
  id: number;
  source: string;
  error: unknown;
  at: number;
}

interface ErrorLog {
  entries: LoggedError[];
  report: (source: string, error: unknown) => void;
  clear: () => void;
}

const ErrorLogContext = createContext<ErrorLog | undefined>(undefined);
let sequence = 0;

/** Collects the failures of the demo's operations (API calls, thumbnails, the engine). */
export function ErrorLogProvider({ children }: { children: ReactNode }) {
  const [entries, setEntries] = useState<LoggedError[]>([]);
  const report = useCallback((source: string, error: unknown) => {
    sequence += 1;
    const entry = { id: sequence, source, error, at: Date.now() };
    setEntries((current) => [entry, ...current].slice(0, 20));
  }, []);
  const clear = useCallback(() => setEntries([]), []);
  return (
    <ErrorLogContext.Provider value={{ entries, report, clear }}>
      {children}
    </ErrorLogContext.Provider>
  );
}

export function useErrorLog(): ErrorLog {
  const log = useContext(ErrorLogContext);
  if (!log) throw new Error('useErrorLog needs <ErrorLogProvider>');
  return log;
}

/** The code to show for any failure: the QlikAuthError code, the engine's, or the HTTP status. */
export function codeOf(error: unknown): string {
  if (error instanceof QlikAuthError) return error.code;
  const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
  if (typeof code === 'number') return `engine_${code}`;
  if (typeof code === 'string') return code;
  if (typeof status === 'number') return `http_${status}`;
  return 'error';
}
