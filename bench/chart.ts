import { ADAPTERS } from './config.js';
import { find, machineLine, type Results } from './report.js';

/** Configurations drawn, in order: ours and the floors (warm, cold), the stores, the recipe. */
const CONFIGS = [
  ['ours-HS256-warm', 'ours HS256 warm'],
  ['ours-RS256-warm', 'ours RS256 warm'],
  ['ours-ES256-warm', 'ours ES256 warm'],
  ['floor-accept', 'floor: no check, warm'],
  ['ours-HS256-cold', 'ours HS256 cold'],
  ['ours-RS256-cold', 'ours RS256 cold'],
  ['ours-ES256-cold', 'ours ES256 cold'],
  ['floor-HS256-cold', 'floor HS256 cold'],
  ['floor-RS256-cold', 'floor RS256 cold'],
  ['floor-ES256-cold', 'floor ES256 cold'],
  ['store-redis', 'ours HS256 Redis'],
  ['store-postgres', 'ours HS256 PostgreSQL'],
  ['recipe-HS256', 'recipe HS256'],
  ['recipe-RS256', 'recipe RS256'],
  ['recipe-ES256', 'recipe ES256'],
] as const;

const COLORS = {
  ours: { fastify: '#1f6fb4', express: '#8fbde6' },
  recipe: { fastify: '#c0392b', express: '#f0a29a' },
  floor: { fastify: '#555555', express: '#b0b0b0' },
};

/** A horizontal bar chart of guarded/open per configuration, Fastify and Express. */
export function chartSvg(results: Results): string {
  const left = 190;
  const plot = 560;
  const bar = 14;
  const group = 2 * bar + 12;
  const info = wrap(machineLine(results).replace(/\*\*/g, ''), 150);
  const legendY = 46 + info.length * 12;
  const top = legendY + 30;
  const height = top + CONFIGS.length * group + 50;
  const width = Math.max(left + plot + 90, 12 + 4 * 130 + 2 * 185);
  const max = Math.max(
    1.1,
    ...results.http
      .filter((r) => r.group !== 'login')
      .map((r) => (Number.isFinite(r.ratio) ? r.ratio : 0)),
  );
  const scale = (value: number): number => (Math.min(value, max) / max) * plot;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(
      12,
      22,
      'Guarded route req/s ÷ open route req/s (same server process, same run)',
      'font-size="15" font-weight="bold"',
    ),
    ...info.map((line, i) => text(12, 38 + i * 12, line, 'font-size="10" fill="#555555"')),
  ];
  let legendX = 12;
  for (const [impl, adapter] of [
    ['ours', 'fastify'],
    ['ours', 'express'],
    ['floor', 'fastify'],
    ['floor', 'express'],
    ['recipe', 'fastify'],
    ['recipe', 'express'],
  ] as const) {
    parts.push(
      `<rect x="${legendX}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[impl][adapter]}"/>`,
    );
    const who = { ours: 'our guard', floor: 'floor', recipe: 'recipe' }[impl];
    const label = `${who}, ${adapter === 'fastify' ? 'Fastify' : 'Express'}`;
    parts.push(text(legendX + 16, legendY, label));
    legendX += 30 + Math.ceil(label.length * 6.6);
  }
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const px = left + scale(tick);
    parts.push(
      `<line x1="${px}" y1="${top - 4}" x2="${px}" y2="${top + CONFIGS.length * group}" stroke="${tick === 1 ? '#333333' : '#dddddd'}"${tick === 1 ? ' stroke-dasharray="4 3"' : ''}/>`,
      text(
        px,
        top + CONFIGS.length * group + 16,
        tick.toFixed(2),
        'text-anchor="middle" fill="#555555"',
      ),
    );
  }
  parts.push(
    text(
      left + scale(1),
      top + CONFIGS.length * group + 32,
      'open route = 1.00',
      'text-anchor="middle" fill="#333333"',
    ),
  );
  CONFIGS.forEach(([id, label], index) => {
    const y = top + index * group;
    const impl = id.startsWith('recipe') ? 'recipe' : id.startsWith('floor') ? 'floor' : 'ours';
    parts.push(text(left - 8, y + bar + 4, label, 'text-anchor="end"'));
    ADAPTERS.forEach((adapter, j) => {
      const row = find(results, id, adapter);
      const by = y + j * bar;
      if (!row || !Number.isFinite(row.ratio)) {
        parts.push(text(left + 4, by + bar - 3, 'not measured', 'fill="#999999" font-size="10"'));
        return;
      }
      const w = Math.max(1, scale(row.ratio));
      parts.push(
        `<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${COLORS[impl][adapter]}"/>`,
        text(left + w + 4, by + bar - 4, row.ratio.toFixed(2), 'font-size="10"'),
      );
    });
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Splits `value` at " · " separators into lines of at most about `width` characters. */
function wrap(value: string, width: number): string[] {
  const lines: string[] = [];
  for (const part of value.split(' · ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + part.length + 3 <= width) lines[last] += ` · ${part}`;
    else lines.push(part);
  }
  return lines;
}
