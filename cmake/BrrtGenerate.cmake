# brrt_generate(<target> SPEC <file> [NAME <base>] [NAMESPACE <ns>] [CLASS <name>]
#               [HANDLERS plain|async|blocking])
#
# A static library <target> built from the code `brrtrouter generate` writes for SPEC (see
# docs/codegen.md), generated again whenever SPEC or the generator changes. Link it into the
# program that implements the generated handler class, and include "<base>.hpp".
function(brrt_generate target)
  cmake_parse_arguments(G "" "SPEC;NAME;NAMESPACE;CLASS;HANDLERS" "" ${ARGN})
  if(NOT G_SPEC)
    message(FATAL_ERROR "brrt_generate(${target}): SPEC is required")
  endif()
  if(NOT G_NAME)
    set(G_NAME api)
  endif()
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_generated)
  file(MAKE_DIRECTORY ${out_dir})
  set(args ${G_SPEC} --out ${out_dir} --name ${G_NAME})
  if(G_NAMESPACE)
    list(APPEND args --namespace ${G_NAMESPACE})
  endif()
  if(G_CLASS)
    list(APPEND args --class ${G_CLASS})
  endif()
  if(G_HANDLERS)
    list(APPEND args --handlers ${G_HANDLERS})
  endif()
  # The spec's $refs may name other files beside it: a change there regenerates too.
  get_filename_component(spec_dir ${G_SPEC} DIRECTORY)
  file(GLOB spec_files CONFIGURE_DEPENDS ${spec_dir}/*.yaml ${spec_dir}/*.yml ${spec_dir}/*.json)
  # A sanitized build's generator reports its process's leaks at exit (static state), which
  # would fail the build step; the generated code is what is under test there.
  set(run)
  if(BRRT_FUZZ OR BRRT_SANITIZE)
    set(run ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0)
  endif()
  add_custom_command(
    OUTPUT ${out_dir}/${G_NAME}.hpp ${out_dir}/${G_NAME}.cpp
    COMMAND ${run} $<TARGET_FILE:brrtrouter> generate ${args}
    DEPENDS brrtrouter ${G_SPEC} ${spec_files}
    COMMENT "brrtrouter generate ${G_SPEC}"
    VERBATIM)
  add_library(${target} STATIC ${out_dir}/${G_NAME}.cpp)
  target_include_directories(${target} PUBLIC ${out_dir})
  target_link_libraries(${target} PUBLIC brrt_codegen brrt_dispatch)
endfunction()
