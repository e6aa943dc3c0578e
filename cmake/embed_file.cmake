# embed_file.cmake -- write file IN as a C byte array SYM (NUL-terminated) with SYM_len into OUT,
# so that `qmap view` serves its page from the binary. Run with cmake -P (see CMakeLists.txt).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "/* generated from ${IN} by cmake/embed_file.cmake: do not edit */\n"
     "#include <stddef.h>\n"
     "const unsigned char ${SYM}[] = {${bytes} 0x00};\n"
     "const size_t ${SYM}_len = sizeof ${SYM} - 1;\n")
