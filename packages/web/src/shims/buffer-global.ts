/** `Buffer` as a free identifier in the browser bundle (injected), from the `buffer` package. */
export { Buffer } from "buffer";
