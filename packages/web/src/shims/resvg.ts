/**
 * `@resvg/resvg-js` (a native addon) for the browser bundle: PNG rendering is unavailable there; the page
 * runs the CLI with `--no-png` (the report's figures are SVG), so this is only reached by mistake.
 */
export class Resvg {
  constructor() {
    throw new Error("PNG rendering (resvg, a native module) is not available in the browser; figures are SVG");
  }
}

export default { Resvg };
