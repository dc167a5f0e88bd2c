rvisor_unit_test(isa_test
    SOURCES decoder_test.cpp compressed_decoder_test.cpp disassembler_test.cpp
    DEPS rvisor_isa)
