/**
 * The part of IoT Hub's query language that the registry tools send for devices (`az iot hub query`,
 * `az iot hub device-identity list`, Azure IoT Explorer's device list), answered over twin-shaped JSON:
 *
 *   SELECT [TOP n] * | COUNT() [AS alias] | path [AS alias], ... FROM devices [WHERE condition]
 *
 * A condition compares a property path (`status`, `devices.deviceId`, `capabilities.iotEdge`) with a literal
 * ('text', "text", numbers, true, false, null) by = != <> < > <= >=, or calls STARTSWITH / ENDSWITH /
 * IS_DEFINED; conditions combine with AND, OR, NOT and parentheses. Anything else (devices.modules, GROUP BY,
 * ORDER BY, other functions) is refused with a message that says what this hub answers.
 */
import { HubError } from '../core/errors.js';

type Json = unknown;
type Path = string[];
type Operand = { path: Path } | { value: Json };
type Condition =
  | { op: 'and' | 'or'; left: Condition; right: Condition }
  | { op: 'not'; inner: Condition }
  | { op: 'compare'; cmp: string; left: Operand; right: Operand }
  | { op: 'call'; fn: 'STARTSWITH' | 'ENDSWITH'; path: Path; text: string }
  | { op: 'defined'; path: Path };
type Selection = { kind: 'all' } | { kind: 'count'; alias: string } | { kind: 'fields'; fields: Array<{ path: Path; alias: string }> };

export interface DeviceQuery {
  selection: Selection;
  top?: number;
  where?: Condition;
}

const SUPPORTED = 'this hub answers SELECT [TOP n] *, COUNT() or property paths FROM devices [WHERE ...]';

function invalid(detail: string): HubError {
  return new HubError('ArgumentInvalid', `Query not supported: ${detail} (${SUPPORTED}).`);
}

// ── Tokens ───────────────────────────────────────────────────────────────────────────────────────────

type Token = { kind: 'word' | 'string' | 'number' | 'symbol'; text: string };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= query.length) throw invalid(`the text ${c}${text} is not closed`);
        const d = query[i] as string;
        if (d === '\\' && i + 1 < query.length) {
          text += query[i + 1];
          i += 2;
        } else if (d === c && query[i + 1] === c) {
          text += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          text += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(query[i + 1] ?? ''))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(query.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const match = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(query.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    } else {
      const two = query.slice(i, i + 2);
      const symbol = ['!=', '<>', '<=', '>='].includes(two) ? two : c;
      if (!['!=', '<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', '*'].includes(symbol)) throw invalid(`unexpected "${symbol}"`);
      tokens.push({ kind: 'symbol', text: symbol });
      i += symbol.length;
    }
  }
  return tokens;
}

// ── Parser ───────────────────────────────────────────────────────────────────────────────────────────

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }
  private isSymbol(symbol: string): boolean {
    const t = this.peek();
    return t?.kind === 'symbol' && t.text === symbol;
  }
  private next(what: string): Token {
    const t = this.tokens[this.at++];
    if (!t) throw invalid(`the query ends where ${what} was expected`);
    return t;
  }
  private word(word: string): void {
    const t = this.next(word);
    if (t.kind !== 'word' || t.text.toUpperCase() !== word) throw invalid(`"${t.text}" where ${word} was expected`);
  }
  private symbol(symbol: string): void {
    const t = this.next(`"${symbol}"`);
    if (t.kind !== 'symbol' || t.text !== symbol) throw invalid(`"${t.text}" where "${symbol}" was expected`);
  }

  parse(): DeviceQuery {
    this.word('SELECT');
    const query: DeviceQuery = { selection: { kind: 'all' } };
    if (this.isWord('TOP')) {
      this.at++;
      const n = this.next('a number after TOP');
      if (n.kind !== 'number' || !/^[0-9]+$/.test(n.text)) throw invalid(`TOP takes a whole number, not "${n.text}"`);
      query.top = Number(n.text);
    }
    query.selection = this.selection();
    this.word('FROM');
    const from = this.next('devices');
    if (from.kind !== 'word' || from.text.toLowerCase() !== 'devices') throw invalid(`FROM ${from.text}`);
    if (this.isSymbol('.')) {
      this.at++;
      throw invalid(`FROM devices.${this.peek()?.text ?? ''}`);
    }
    if (this.isWord('WHERE')) {
      this.at++;
      query.where = this.or();
    }
    const rest = this.peek();
    if (rest) throw invalid(rest.kind === 'word' ? `${rest.text.toUpperCase()} clauses` : `"${rest.text}" after the query`);
    return query;
  }

  private selection(): Selection {
    if (this.isSymbol('*')) {
      this.at++;
      return { kind: 'all' };
    }
    if (this.isWord('COUNT')) {
      this.at++;
      this.symbol('(');
      this.symbol(')');
      return { kind: 'count', alias: this.alias() ?? '$1' };
    }
    const fields: Array<{ path: Path; alias: string }> = [];
    for (;;) {
      const path = this.path();
      fields.push({ path, alias: this.alias() ?? (path[path.length - 1] as string) });
      if (!this.isSymbol(',')) return { kind: 'fields', fields };
      this.at++;
    }
  }

  private alias(): string | undefined {
    if (!this.isWord('AS')) return undefined;
    this.at++;
    const t = this.next('a name after AS');
    if (t.kind !== 'word') throw invalid(`"${t.text}" is not a name for AS`);
    return t.text;
  }

  /** A property path; a leading `devices.` names the collection and is dropped. */
  private path(): Path {
    const parts: string[] = [];
    for (;;) {
      const t = this.next('a property name');
      if (t.kind !== 'word') throw invalid(`"${t.text}" where a property name was expected`);
      parts.push(t.text);
      if (!this.isSymbol('.')) break;
      this.at++;
    }
    if (parts.length > 1 && parts[0]?.toLowerCase() === 'devices') parts.shift();
    if (parts[0]?.toLowerCase() === 'modules' || (this.isSymbol('(') && parts.length === 1)) throw invalid(`${parts.join('.')}${this.isSymbol('(') ? '()' : ''}`);
    return parts;
  }

  private or(): Condition {
    let left = this.and();
    while (this.isWord('OR')) {
      this.at++;
      left = { op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.isWord('AND')) {
      this.at++;
      left = { op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Condition {
    if (this.isWord('NOT')) {
      this.at++;
      return { op: 'not', inner: this.not() };
    }
    if (this.isSymbol('(')) {
      this.at++;
      const inner = this.or();
      this.symbol(')');
      return inner;
    }
    const fn = this.peek()?.text.toUpperCase();
    const after = this.tokens[this.at + 1];
    if (this.peek()?.kind === 'word' && after?.kind === 'symbol' && after.text === '(') {
      this.at += 2;
      const path = this.path();
      if (fn === 'IS_DEFINED') {
        this.symbol(')');
        return { op: 'defined', path };
      }
      if (fn !== 'STARTSWITH' && fn !== 'ENDSWITH') throw invalid(`the function ${fn}()`);
      this.symbol(',');
      const text = this.next('a text');
      if (text.kind !== 'string') throw invalid(`${fn} takes a text in quotes, not ${text.text}`);
      this.symbol(')');
      return { op: 'call', fn, path, text: text.text };
    }
    const left = this.operand();
    const cmp = this.next('a comparison');
    if (cmp.kind !== 'symbol' || !['=', '!=', '<>', '<', '>', '<=', '>='].includes(cmp.text)) throw invalid(`"${cmp.text}" where a comparison (=, !=, <, >) was expected`);
    return { op: 'compare', cmp: cmp.text === '<>' ? '!=' : cmp.text, left, right: this.operand() };
  }

  private operand(): Operand {
    const t = this.peek();
    if (!t) throw invalid('the query ends where a value was expected');
    if (t.kind === 'string') return this.at++, { value: t.text };
    if (t.kind === 'number') return this.at++, { value: Number(t.text) };
    if (t.kind === 'word' && ['TRUE', 'FALSE', 'NULL'].includes(t.text.toUpperCase())) {
      this.at++;
      const word = t.text.toUpperCase();
      return { value: word === 'NULL' ? null : word === 'TRUE' };
    }
    return { path: this.path() };
  }
}

export function parseDeviceQuery(text: string): DeviceQuery {
  return new Parser(tokenize(text)).parse();
}

// ── Evaluation ───────────────────────────────────────────────────────────────────────────────────────

function lookup(item: Json, path: Path): Json {
  let value: Json = item;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, Json>)[key];
  }
  return value;
}

function valueOf(item: Json, operand: Operand): Json {
  return 'path' in operand ? lookup(item, operand.path) : operand.value;
}

function compare(cmp: string, a: Json, b: Json): boolean {
  if (a === undefined || b === undefined) return false;
  if (cmp === '=') return a === b;
  if (cmp === '!=') return a !== b;
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
  const order = (a as number | string) < (b as number | string) ? -1 : a === b ? 0 : 1;
  return cmp === '<' ? order < 0 : cmp === '>' ? order > 0 : cmp === '<=' ? order <= 0 : order >= 0;
}

function matches(item: Json, c: Condition): boolean {
  switch (c.op) {
    case 'and':
      return matches(item, c.left) && matches(item, c.right);
    case 'or':
      return matches(item, c.left) || matches(item, c.right);
    case 'not':
      return !matches(item, c.inner);
    case 'defined':
      return lookup(item, c.path) !== undefined;
    case 'call': {
      const value = lookup(item, c.path);
      return typeof value === 'string' && (c.fn === 'STARTSWITH' ? value.startsWith(c.text) : value.endsWith(c.text));
    }
    case 'compare':
      return compare(c.cmp, valueOf(item, c.left), valueOf(item, c.right));
  }
}

/** The query's answer over `items` (twin-shaped devices): every matching row, projected; TOP applied. */
export function runDeviceQuery(query: DeviceQuery, items: readonly Json[]): Json[] {
  const matching = items.filter((item) => !query.where || matches(item, query.where)).slice(0, query.top ?? Infinity);
  const { selection } = query;
  if (selection.kind === 'count') return [{ [selection.alias]: matching.length }];
  if (selection.kind === 'all') return matching;
  return matching.map((item) => {
    const row: Record<string, Json> = {};
    for (const { path, alias } of selection.fields) {
      const value = lookup(item, path);
      if (value !== undefined) row[alias] = value;
    }
    return row;
  });
}
