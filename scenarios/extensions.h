// The extensions of a run, in their fixed order (the order every hook is
// called in). Each call returns fresh instances: one set per run or check.
// Later layers add themselves to the list in extensions.cc.
#ifndef AIOSIM_SCENARIOS_EXTENSIONS_H_
#define AIOSIM_SCENARIOS_EXTENSIONS_H_

#include "scenarios/extension.h"

namespace scenarios {

ExtensionList MakeExtensions();

}  // namespace scenarios

#endif  // AIOSIM_SCENARIOS_EXTENSIONS_H_
