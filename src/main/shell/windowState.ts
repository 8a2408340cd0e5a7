// Where the window was, so the next start puts it back: its normal (unmaximized) bounds and
// whether it was maximized, in a small JSON file beside the data. No electron import: the
// placement rules are plain geometry, tested without a display.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const RectangleSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(1).max(100_000),
  height: z.number().int().min(1).max(100_000),
});
export type Rectangle = z.infer<typeof RectangleSchema>;

export const SavedWindowStateSchema = z.object({ bounds: RectangleSchema, isMaximized: z.boolean() });
export type SavedWindowState = z.infer<typeof SavedWindowStateSchema>;

export const windowPlacement = {
  width: 1280,
  height: 820,
  minWidth: 720,
  minHeight: 480,
  /**
   * How much of the title bar must lie on a screen for the saved position to be used: enough to
   * grab it with the mouse. A window saved on a monitor that is gone opens centred instead.
   */
  minVisibleWidth: 160,
  minVisibleTitleHeight: 32,
} as const;

/** The saved state, or undefined when there is none or it cannot be read (the defaults apply). */
export function readWindowState(file: string): SavedWindowState | undefined {
  try {
    const parsed = SavedWindowStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // never saved, or written by hand badly: the window opens at its default place
  }
}

export function writeWindowState(file: string, state: SavedWindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  // Written aside and renamed, so a crash mid-write leaves the previous state, not half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  renameSync(temporary, file);
}

export interface WindowPlacement {
  /** Without x and y the window manager centres it. */
  readonly bounds: { readonly x?: number; readonly y?: number; readonly width: number; readonly height: number };
  readonly isMaximized: boolean;
}

/**
 * Where to open the window given the saved state and the screens' work areas now: the saved
 * place when its title bar is on a screen (its size capped to that screen), else the saved size
 * (capped to the first screen) centred, else the defaults.
 */
export function placeWindow(saved: SavedWindowState | undefined, workAreas: readonly Rectangle[]): WindowPlacement {
  const { width, height, minWidth, minHeight } = windowPlacement;
  if (!saved) return { bounds: { width, height }, isMaximized: false };
  const fit = (area: Rectangle | undefined) => ({
    width: clamp(saved.bounds.width, minWidth, area?.width ?? saved.bounds.width),
    height: clamp(saved.bounds.height, minHeight, area?.height ?? saved.bounds.height),
  });
  const home = workAreas.find((area) => isTitleBarOn(saved.bounds, area));
  if (home) return { bounds: { x: saved.bounds.x, y: saved.bounds.y, ...fit(home) }, isMaximized: saved.isMaximized };
  return { bounds: fit(workAreas[0]), isMaximized: saved.isMaximized };
}

function isTitleBarOn(bounds: Rectangle, area: Rectangle): boolean {
  const left = Math.max(bounds.x, area.x);
  const right = Math.min(bounds.x + bounds.width, area.x + area.width);
  const top = Math.max(bounds.y, area.y);
  const bottom = Math.min(bounds.y + windowPlacement.minVisibleTitleHeight, area.y + area.height);
  return right - left >= windowPlacement.minVisibleWidth && bottom - top >= windowPlacement.minVisibleTitleHeight;
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, Math.max(low, high)));
}
