#include "eventsapi/node_id.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/io.h"
#include "eventsapi/gluster.h"

namespace evt {

std::string glusterd_workdir() {
  const char* dir = std::getenv("GLUSTERD_WORKDIR");
  return dir && *dir ? dir : "/var/lib/glusterd";
}

namespace {

// Serve's own UUID for a node without Gluster, made once.
std::string own_node_uuid(const std::string& state_dir) {
  std::string path = state_dir + "/node-id";
  std::ifstream in(path);
  std::string id;
  if (in && std::getline(in, id) && id.size() == 36) return id;
  unsigned char b[16];
  random_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char text[40];
  std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  write_file_atomically(path, std::string(text) + "\n");
  return text;
}

}  // namespace

NodeId::NodeId(std::string state_dir) : state_dir_(std::move(state_dir)) {}

std::string NodeId::get() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (gluster_) return id_;
  if (auto gluster = glusterd_uuid(glusterd_workdir())) {
    gluster_ = true;
    id_ = *gluster;
  } else if (id_.empty()) {
    id_ = own_node_uuid(state_dir_);
  }
  return id_;
}

}  // namespace evt
