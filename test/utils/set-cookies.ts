/** A parsed `Set-Cookie` line: name, decoded value and attributes (names lower-cased). */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** The `Set-Cookie` lines of an answer, by cookie name (the last line of a name wins). */
export function setCookies(headers: Headers): Map<string, SetCookie> {
  const result = new Map<string, SetCookie>();
  for (const line of headers.getSetCookie()) {
    const [pair, ...rest] = line.split(';').map((part) => part.trim());
    const [name, ...value] = pair!.split('=');
    const attributes: Record<string, string | true> = {};
    for (const attribute of rest) {
      const [key, ...v] = attribute.split('=');
      attributes[key!.toLowerCase()] = v.length > 0 ? v.join('=') : true;
    }
    result.set(name!, { name: name!, value: decodeURIComponent(value.join('=')), attributes });
  }
  return result;
}

/** A `Cookie` request header sending the given cookies back (percent-encoded, as set). */
export function jar(...cookies: (SetCookie | undefined)[]): string {
  return cookies
    .filter((c): c is SetCookie => c !== undefined)
    .map((c) => `${c.name}=${encodeURIComponent(c.value)}`)
    .join('; ');
}
