// Preloaded into jsii's kernel (node --require) by constructs_lib/_provider/jsii_kernel.py.
//
// cdktf's lib/private/fs.js requires `archiver` (zip files for TerraformAsset) when cdktf loads:
// about 40% of the time node takes to require cdktf, for a package that a synth without assets never
// calls. Here that one require returns a function that loads archiver on its first call instead.
"use strict";
const Module = require("module");
const load = Module._load;
const CDKTF_FS = /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/;

Module._load = function (request, parent, isMain) {
  if (request === "archiver" && parent && CDKTF_FS.test(parent.filename || "")) {
    let archiver;
    return function lazyArchiver(...args) {
      archiver = archiver || load.call(Module, request, parent, false);
      return archiver(...args);
    };
  }
  return load.apply(this, arguments);
};
