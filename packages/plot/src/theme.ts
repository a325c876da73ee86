/** Shared look: sizes in CSS pixels, colours as hex. One place to change the house style. */
export const THEME = {
  tickSize: 11,
  labelSize: 12,
  titleSize: 14,
  legendSize: 11.5,
  text: "#222222",
  mutedText: "#555555",
  axis: "#4d4d4d",
  grid: "#e9e9e9",
  tickLength: 4,
  /** Space between blocks (title, plot, legend), px. */
  gap: 10,
  outerMargin: 12,
} as const;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
