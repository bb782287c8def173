// Preloaded into jsii's kernel (node --require) by constructs_lib/_provider/jsii_kernel.py.
//
// cdktf's lib/private/fs.js requires `archiver` (zip files for TerraformAsset) when cdktf loads:
// about 40% of the time node takes to require cdktf, for a package that a synth without assets never
// calls. Here that one require returns a function that loads archiver on its first call instead.
//
// Its archiveSync zips through a shell, `node ${__filename} ${src} ${dest}` unquoted: a project or asset
// path with a space ("~/My Projects/egress") zipped nothing ("A TerraformAsset trying to zip archive …
// failed"). Its export is replaced by the same call without a shell, with cdktf's own error.
"use strict";
const Module = require("module");
const { execFileSync } = require("child_process");
const load = Module._load;
const CDKTF_FS = /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/;
const PATCHED = Symbol("archiveSync without a shell");

Module._load = function (request, parent, isMain) {
  if (request === "archiver" && parent && CDKTF_FS.test(parent.filename || "")) {
    let archiver;
    return function lazyArchiver(...args) {
      archiver = archiver || load.call(Module, request, parent, false);
      return archiver(...args);
    };
  }
  const loaded = load.apply(this, arguments);
  if (typeof request === "string" && /(^|[\\/])fs(\.js)?$/.test(request) && request !== "fs" && loaded
      && typeof loaded.archiveSync === "function" && !loaded[PATCHED]) {
    const filename = Module._resolveFilename(request, parent, isMain);
    if (CDKTF_FS.test(filename)) {
      const errors = Module.createRequire(filename)("../errors");
      loaded.archiveSync = function archiveSync(src, dest) {
        try {
          execFileSync(process.execPath, [filename, src, dest], { encoding: "utf-8" });
        } catch (err) {
          throw errors.assetCanNotCreateZipArchive(src, dest, err);
        }
      };
      loaded[PATCHED] = true;
    }
  }
  return loaded;
};
