#!/bin/sh
# Type-checks the SwiftUI screens (ios/Sources/MitidAppModel/SwiftUI) on Linux against the
# signature stubs in Stubs/ (NOT SwiftUI, Combine or UIKit: those exist only on Apple systems)
# and the real MitidCore module of the last `swift build`/`swift test`. A step of the core that
# a screen's `switch` does not handle, or a core type used wrongly, fails here; SwiftUI's own
# rules are checked only by Xcode. Run from ios/ where swiftc is (scripts/test-swift.sh runs it
# in the Swift chroot after the tests). Nothing is linked or run.
set -eu
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)"
out=.build/typecheck
mkdir -p "$out"
for module in UIKit Combine SwiftUI; do
    swiftc -parse-as-library -swift-version 5 -module-name "$module" -emit-module \
        -emit-module-path "$out/$module.swiftmodule" -I "$out" "TypeCheck/Stubs/$module.swift"
done
# shellcheck disable=SC2046 # one argument per source file
swiftc -typecheck -swift-version 6 -D MITID_UI_TYPECHECK -module-name MitidAppModel \
    -I "$out" -I "$bin/Modules" -Xcc -fmodule-map-file=Sources/MitidCoreFFI/include/module.modulemap \
    $(find Sources/MitidAppModel -name '*.swift' | sort)
echo "typecheck: the SwiftUI screens match the core"
