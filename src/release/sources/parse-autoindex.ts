/**
 * Names linked from an HTML directory index (nginx/Apache autoindex, as on
 * download.freebsd.org): every relative `href` that names a direct child.
 * Sub-directories lose their trailing slash.
 */
export function parseAutoindex(html: string): string[] {
  const names = new Set<string>();
  for (const match of html.matchAll(/href\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    let href = match[1] ?? match[2] ?? '';
    if (href === '' || href.startsWith('?') || href.startsWith('#') || href.startsWith('/') || /^[a-z]+:/i.test(href)) continue;
    if (href.startsWith('./')) href = href.slice(2);
    if (href.endsWith('/')) href = href.slice(0, -1);
    let name: string;
    try {
      name = decodeURIComponent(href);
    } catch {
      continue;
    }
    if (name === '' || name === '.' || name === '..' || name.includes('/')) continue;
    names.add(name);
  }
  return [...names].sort();
}
