// Closing what was opened on every path out of a function, for the few places that use raw
// POSIX file descriptors and directory streams (`FdCloser closer{fd};`). Both are the owners of
// util/c-handle.hpp under the names their users know.
#pragma once

#include <dirent.h>

#include "util/c-handle.hpp"

namespace srmd {

using FdCloser = UniqueFd;
using DirCloser = CHandle<DIR, ::closedir>;

}  // namespace srmd
