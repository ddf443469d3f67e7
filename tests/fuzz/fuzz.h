/* Fuzz targets over every parser that reads bytes from the peer.  Each
 * returns 0; a bug shows as a crash or a sanitizer report. */
#ifndef SMBFUSE_FUZZ_H
#define SMBFUSE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A whole SMB reply as the receiver hands it over: header, then the decoder
 * its command selects (TRANS2: reassembly and every data parser). */
int fuzz_smb_reply(const uint8_t *data, size_t len);
/* NetBIOS session replies, NTLMSSP challenges and SPNEGO blobs. */
int fuzz_security_blobs(const uint8_t *data, size_t len);
/* Every TRANS2 data / parameter parser over raw bytes. */
int fuzz_trans2_data(const uint8_t *data, size_t len);
/* All of the above. */
int fuzz_all(const uint8_t *data, size_t len);

#endif
