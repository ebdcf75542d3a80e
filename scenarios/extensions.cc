#include "scenarios/extensions.h"

#include "scenarios/builtins.h"
#include "scenarios/ext_kernel.h"

namespace scenarios {

ExtensionList MakeExtensions() {
  ExtensionList list;
  list.push_back(MakeBuiltinsExtension());  // engine-level calls: sleep, print, wait points...
  list.push_back(MakeKernelExtension());    // the kernel, devices, files and AIO
  return list;
}

}  // namespace scenarios
