// Filled by later work; see the package README.
export {};
