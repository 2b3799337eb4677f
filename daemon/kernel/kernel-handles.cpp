#include "kernel/kernel-handles.hpp"

namespace srmd {

DaxctlContext new_daxctl_context(int& error) {
    daxctl_ctx* ctx = nullptr;
    int rc = daxctl_new(&ctx);
    error = rc < 0 ? -rc : 0;
    return DaxctlContext(rc < 0 ? nullptr : ctx);
}

CxlContext new_cxl_context(int& error) {
    cxl_ctx* ctx = nullptr;
    int rc = cxl_new(&ctx);
    error = rc < 0 ? -rc : 0;
    return CxlContext(rc < 0 ? nullptr : ctx);
}

}  // namespace srmd
