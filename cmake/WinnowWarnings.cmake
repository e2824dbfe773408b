# winnow_set_warnings(<target>): the project's warning set, applied per target so that
# third-party headers pulled in as SYSTEM stay quiet. C++-only flags are kept off C sources.
# Shadowing is gcc's -Wshadow=local (a local hiding another local or a parameter), for gcc only:
# clang does not know it ("unknown warning option"; the fuzz build uses clang) and has no
# locals-only form. Its -Wshadow is wider (locals hiding fields and globals too) and its
# -Wshadow-uncaptured-local does nothing without -Wshadow (clang 14).
function(winnow_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
    $<$<COMPILE_LANG_AND_ID:C,GNU>:-Wshadow=local> $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-Wshadow=local>
    -Wcast-align -Wunused -Wnull-dereference
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Woverloaded-virtual -Wno-missing-field-initializers>)
endfunction()
