import { readH5ad, toDenseFloat32 } from "../../io/dist/index.js";

const [a, b] = [await readH5ad(process.argv[2]), await readH5ad(process.argv[3])];
const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
};
for (const k of Object.keys(a.obsm)) console.log("obsm", k, diff(toDenseFloat32(a.obsm[k]), toDenseFloat32(b.obsm[k])));
console.log("latent", diff(a.obs.numbers("latent_time"), b.obs.numbers("latent_time")));
