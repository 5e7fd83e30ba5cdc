// Google client libraries probe the cloud metadata server unless told not to;
// tests must never reach any address but loopback.
process.env.METADATA_SERVER_DETECTION = 'none';
