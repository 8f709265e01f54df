//! Integration tests of gigs-events and its generator live beside this file;
//! this library is empty.
