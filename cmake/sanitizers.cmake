# One place that turns HYTM_SANITIZER into flags, for every target in the tree.
if(HYTM_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(HYTM_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT HYTM_SANITIZER STREQUAL "")
  message(FATAL_ERROR "HYTM_SANITIZER must be '', 'address' or 'thread', not '${HYTM_SANITIZER}'")
endif()
