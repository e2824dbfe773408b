# winnow_set_warnings(<target>): the project's warning set, applied per target so that
# third-party headers pulled in as SYSTEM stay quiet. C++-only flags are kept off C sources.
function(winnow_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wcast-align
    -Wunused -Wnull-dereference
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Woverloaded-virtual -Wno-missing-field-initializers>)
endfunction()
