/** Overlays in a 40×12 terminal: cut at the bottom when taller than the screen, never drawn over themselves. */
import { afterEach, expect, it } from 'vitest';
import { fakes } from './fakes.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';

let app: Harness | undefined;
afterEach(async () => {
  await app?.quit();
  app = undefined;
});

/** The rows inside the overlay's border, without the border. */
function insideFrame(screen: string): string[] {
  return screen
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) => line.slice(1, -1).trim());
}

it('the connection overlay keeps its title and its first string whole in 40×12', async () => {
  app = await startApp(fakes().connector, { size: { columns: 40, rows: 12 } });
  await app.press('i');
  const rows = insideFrame(await app.screen('Connection (keys masked)'));
  expect(rows[0]).toBe('Connection (keys masked)');
  expect(rows[1]).toBe('Service connection string');
  // The masked string wraps over the next rows, with nothing of the other sections in between.
  expect(rows.slice(2).join('')).toMatch(/^HostName=[^│]*SharedAccessKey=\w{4}…/);
  expect(app.frame().split('\n').length).toBeLessThanOrEqual(12);
});

it('the help overlay keeps its title and scrolls in 40×12', async () => {
  app = await startApp(fakes().connector, { size: { columns: 40, rows: 12 } });
  await app.press('?');
  const rows = insideFrame(await app.screen('Keys (esc'));
  expect(rows[0]).toMatch(/^Keys \(esc or \? closes/);
  expect(rows.at(-1)).toMatch(/^↓ \d+ more lines \(↑↓ scroll\)$/);
});

it('a narrow terminal still shows the state of every link and the queue, in fewer words', async () => {
  app = await startApp(fakes().connector, { size: { columns: 40, rows: 12 } });
  const screen = await app.screen('svc ● connected');
  const [hubLine, deviceLine] = screen.split('\n');
  expect(hubLine).toMatch(/^svc ● connected {2}fb ● connected {2}\S/);
  expect(deviceLine).toMatch(/^device ● connected {2}queue 0\/50 {2}\S/);
  for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
});

it('a terminal wide enough keeps the header in full words', async () => {
  app = await startApp(fakes().connector, { size: { columns: 100, rows: 24 } });
  const [hubLine, deviceLine] = (await app.screen('service ● connected')).split('\n');
  expect(hubLine).toMatch(/^iot-c2d hub .* {2}service ● connected {2}feedback ● connected$/);
  expect(deviceLine).toMatch(/^device \S+ mqtt ● connected {2}queue 0\/50 {2}settle auto-complete$/);
});
