/* Unit tests for sha256.c and bytes.h: the digest as hex (FIPS 180-2's
 * known answers), and big-endian integers read and written. */
#include <stdint.h>

#include "bytes.h"
#include "check.h"
#include "sha256.h"

int main(void)
{
    char hex[65];
    CHECK_INT(sha256_hex("abc", 3, hex), 0);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_INT(sha256_hex("", 0, hex), 0);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    unsigned char b[6] = {0xFF, 0xFE, 0x01, 0x02, 0x03, 0x04};
    CHECK_INT(bytes_be16(b), 0xFFFE);
    CHECK_INT((int16_t)bytes_be16(b), -2); /* FWORDs are read this way */
    CHECK_INT(bytes_be32(b + 2), 0x01020304);
    bytes_set_be16(b, 0x12345); /* the low 16 bits */
    CHECK_INT(b[0], 0x23);
    CHECK_INT(b[1], 0x45);
    bytes_set_be32(b + 2, 0xB1B0AFBAu);
    CHECK_INT(bytes_be32(b + 2), 0xB1B0AFBAu);
    CHECK_INT(b[2], 0xB1);
    CHECK_DONE();
}
