// Every test file starts with the backend initialised, as importing @diffcell/core does for users.
import "@diffcell/core";
