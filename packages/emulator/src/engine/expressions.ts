/**
 * A small evaluator for the chart expressions `Evaluate`/`EvaluateEx` receive. The emulated apps
 * have no data model, so it knows literals, arithmetic, comparison, `&` concatenation and the
 * data-free functions an embedding app typically asks for; anything else answers the way the
 * engine answers an expression it cannot compute: an error text, not a failed call.
 */

/** What `EvaluateEx` returns in `qValue` (the engine's `FieldValue`). */
export interface QixValue {
  qText: string;
  qIsNumeric: boolean;
  qNumber: number;
}

/** Facts about the session the functions read. */
export interface ExpressionScope {
  documentTitle: string;
  documentName: string;
  userName: string;
  now: number;
}

class ExpressionError extends Error {}

type Value = string | number;

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i += 1;
    } else if (/[0-9.]/.test(char)) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(text.slice(i));
      if (!match) throw new ExpressionError(`unexpected '${char}'`);
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (char === "'") {
      // Qlik strings are single-quoted; a doubled quote is a literal quote.
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw new ExpressionError('unterminated string');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ kind: 'string', value });
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_#$]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'name', value: match[0] });
      i += match[0].length;
    } else {
      const two = text.slice(i, i + 2);
      const op = ['<=', '>=', '<>'].includes(two) ? two : char;
      if (!['+', '-', '*', '/', '&', '(', ')', ',', '=', '<', '>', '<=', '>=', '<>'].includes(op)) {
        throw new ExpressionError(`unexpected '${char}'`);
      }
      tokens.push({ kind: 'op', value: op });
      i += op.length;
    }
  }
  return tokens;
}

const toNumber = (value: Value): number => {
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : Number.NaN;
};

/** Formats a number the way the engine's default format shows it. */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '-';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(14)));
}

const text = (value: Value): string => (typeof value === 'number' ? formatNumber(value) : value);

/** A recursive-descent parser over the tokens that evaluates as it goes. */
class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly scope: ExpressionScope,
  ) {}

  parse(): Value {
    if (this.tokens.length === 0) throw new ExpressionError('empty expression');
    const value = this.comparison();
    if (this.position < this.tokens.length) throw new ExpressionError('unexpected token');
    return value;
  }

  private peek(value: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'op' && token.value === value;
  }

  private take(value: string): void {
    if (!this.peek(value)) throw new ExpressionError(`expected '${value}'`);
    this.position += 1;
  }

  private comparison(): Value {
    let left = this.concatenation();
    for (const op of ['=', '<>', '<=', '>=', '<', '>']) {
      if (this.peek(op)) {
        this.position += 1;
        const right = this.concatenation();
        const [a, b] = [toNumber(left), toNumber(right)];
        const numeric = !Number.isNaN(a) && !Number.isNaN(b);
        const order = numeric ? a - b : text(left).localeCompare(text(right));
        const result =
          op === '='
            ? order === 0
            : op === '<>'
              ? order !== 0
              : op === '<'
                ? order < 0
                : op === '>'
                  ? order > 0
                  : op === '<='
                    ? order <= 0
                    : order >= 0;
        // Qlik's true is -1.
        left = result ? -1 : 0;
        break;
      }
    }
    return left;
  }

  private concatenation(): Value {
    let left = this.additive();
    while (this.peek('&')) {
      this.position += 1;
      left = text(left) + text(this.additive());
    }
    return left;
  }

  private additive(): Value {
    let left = this.multiplicative();
    while (this.peek('+') || this.peek('-')) {
      const op = (this.tokens[this.position++] as { value: string }).value;
      const right = toNumber(this.multiplicative());
      left = op === '+' ? toNumber(left) + right : toNumber(left) - right;
    }
    return left;
  }

  private multiplicative(): Value {
    let left = this.unary();
    while (this.peek('*') || this.peek('/')) {
      const op = (this.tokens[this.position++] as { value: string }).value;
      const right = toNumber(this.unary());
      if (op === '*') left = toNumber(left) * right;
      else left = right === 0 ? Number.NaN : toNumber(left) / right;
    }
    return left;
  }

  private unary(): Value {
    if (this.peek('-')) {
      this.position += 1;
      return -toNumber(this.unary());
    }
    if (this.peek('+')) {
      this.position += 1;
      return toNumber(this.unary());
    }
    return this.primary();
  }

  private primary(): Value {
    const token = this.tokens[this.position];
    if (!token) throw new ExpressionError('unexpected end of expression');
    if (token.kind === 'number' || token.kind === 'string') {
      this.position += 1;
      return token.value;
    }
    if (token.kind === 'op' && token.value === '(') {
      this.position += 1;
      const value = this.comparison();
      this.take(')');
      return value;
    }
    if (token.kind === 'name') {
      this.position += 1;
      const args: Value[] = [];
      this.take('(');
      if (!this.peek(')')) {
        args.push(this.comparison());
        while (this.peek(',')) {
          this.position += 1;
          args.push(this.comparison());
        }
      }
      this.take(')');
      return this.call(token.value, args);
    }
    throw new ExpressionError('unexpected token');
  }

  private call(name: string, args: Value[]): Value {
    const arity = (count: number) => {
      if (args.length !== count) throw new ExpressionError(`${name} takes ${count} argument(s)`);
    };
    switch (name.toLowerCase()) {
      case 'documenttitle':
        arity(0);
        return this.scope.documentTitle;
      case 'documentname':
        arity(0);
        return this.scope.documentName;
      case 'osuser':
      case 'qvuser':
        arity(0);
        return this.scope.userName;
      case 'now':
      case 'today':
        return new Date(this.scope.now).toISOString();
      case 'len':
        arity(1);
        return text(args[0]!).length;
      case 'upper':
        arity(1);
        return text(args[0]!).toUpperCase();
      case 'lower':
        arity(1);
        return text(args[0]!).toLowerCase();
      case 'round': {
        const [value, step = 1] = args.map(toNumber);
        return Math.round(value! / step) * step;
      }
      case 'if':
        arity(3);
        return toNumber(args[0]!) !== 0 && !Number.isNaN(toNumber(args[0]!)) ? args[1]! : args[2]!;
      default:
        // Aggregations and field references need a data model this app does not have.
        throw new ExpressionError(`${name} is not available in the emulator`);
    }
  }
}

/** Evaluates an expression; a bad one answers the engine's error text instead of a value. */
export function evaluateExpression(expression: string, scope: ExpressionScope): QixValue {
  try {
    const value = new Parser(tokenize(expression), scope).parse();
    const number = toNumber(value);
    return {
      qText: text(value),
      qIsNumeric: typeof value === 'number' && !Number.isNaN(value),
      qNumber: typeof value === 'number' ? number : Number.NaN,
    };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return {
      qText: `Error in expression: ${error.message}`,
      qIsNumeric: false,
      qNumber: Number.NaN,
    };
  }
}
