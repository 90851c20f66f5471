/**
 * The text of a file of shell exports (`connection.env`, `iot-c2d-connection.env`) to `source`: one
 * `export NAME='value'` per variable. Values go inside single quotes, where the shell takes every character
 * literally except `'` itself, which is written as `'\''` (close, an escaped quote, reopen): a device id may
 * contain one.
 */

/** `value` as one shell word that stands for exactly these characters. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `export NAME='value'` lines for each variable that has a value, ending with a newline. */
export function envFileText(variables: Record<string, string | undefined>): string {
  const lines = Object.entries(variables)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
