// Placeholder until the image I/O lands.
int cimageio_version(void);
