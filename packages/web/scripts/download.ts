/// <reference lib="dom" />
/** Test and bench helper: the result .h5ad the page offers for download, saved to `path`. */
import { writeFileSync } from "node:fs";
import type { Page } from "puppeteer-core";

export async function saveDownloadedH5ad(page: Page, path: string): Promise<void> {
  const base64 = await page.evaluate(async () => {
    const href = (document.getElementById("download-h5ad") as HTMLAnchorElement).href;
    const bytes = new Uint8Array(await (await fetch(href)).arrayBuffer());
    let s = "";
    for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return btoa(s);
  });
  writeFileSync(path, Buffer.from(base64, "base64"));
}
