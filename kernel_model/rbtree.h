// Intrusive red-black trees, after include/linux/rbtree.h and lib/rbtree.c
// (rb_link_node, rb_insert_color, rb_erase, rb_first, rb_next, rb_prev)
// and the comparator helpers of newer kernels (rb_add, rb_find_first).
//
// Contract:
// - Intrusive: an object embeds an rb_node and is in at most one tree
//   through it; linking and erasing allocate and free nothing. A tree must
//   outlive what is linked in it (erase everything first; nothing walks the
//   tree on destruction).
// - The order is the caller's: rb_add(node, root, less) places node after
//   every node n with !less(node, n), so equal keys keep insertion order
//   (Linux's rb_add does the same). With a strict total order on the keys
//   (the block layer's (sector, tag)) the in-order sequence is that order
//   alone, never addresses or insertion history.
// - rb_erase and rb_insert_color rebalance by rotations only: they change
//   the shape, never the in-order sequence of the other nodes.
// - Height is at most 2*log2(n+1), so every operation is O(log n).
//
// Differences from the kernel: the colour is a field rather than the low
// bit of the parent pointer, and an erased node is left cleared
// (RB_CLEAR_NODE), so RB_EMPTY_NODE tells whether a node is linked.
#ifndef AIOSIM_KERNEL_MODEL_RBTREE_H_
#define AIOSIM_KERNEL_MODEL_RBTREE_H_

namespace kernel {

struct rb_node {
  rb_node* rb_parent = nullptr;  // itself when not linked (RB_CLEAR_NODE)
  rb_node* rb_left = nullptr;
  rb_node* rb_right = nullptr;
  bool rb_red = false;
  rb_node() : rb_parent(this) {}
  rb_node(const rb_node&) = delete;
  rb_node& operator=(const rb_node&) = delete;
};

struct rb_root {
  struct rb_node* rb_node = nullptr;  // as Linux: the member shares the type's name
  rb_root() = default;
  rb_root(const rb_root&) = delete;
  rb_root& operator=(const rb_root&) = delete;
};

inline bool RB_EMPTY_ROOT(const rb_root* root) { return root->rb_node == nullptr; }
inline bool RB_EMPTY_NODE(const rb_node* node) { return node->rb_parent == node; }
inline void RB_CLEAR_NODE(rb_node* node) { node->rb_parent = node; }

// Places node, red, as the child at *link of parent (nullptr for the root);
// rb_insert_color must follow.
inline void rb_link_node(rb_node* node, rb_node* parent, rb_node** link) {
  node->rb_parent = parent;
  node->rb_left = nullptr;
  node->rb_right = nullptr;
  node->rb_red = true;
  *link = node;
}

// Restores the red-black properties after rb_link_node.
void rb_insert_color(rb_node* node, rb_root* root);
// Unlinks node and rebalances; node is left cleared.
// REQUIRES: node is linked in root.
void rb_erase(rb_node* node, rb_root* root);

// The first (leftmost) node, or nullptr if the tree is empty.
inline rb_node* rb_first(const rb_root* root) {
  rb_node* n = root->rb_node;
  if (n == nullptr) return nullptr;
  while (n->rb_left != nullptr) n = n->rb_left;
  return n;
}

// The node after node in order, or nullptr. REQUIRES: node is linked.
inline rb_node* rb_next(const rb_node* node) {
  if (node->rb_right != nullptr) {
    rb_node* n = node->rb_right;
    while (n->rb_left != nullptr) n = n->rb_left;
    return n;
  }
  rb_node* parent;
  while ((parent = node->rb_parent) != nullptr && node == parent->rb_right) node = parent;
  return parent;
}

// The node before node in order, or nullptr. REQUIRES: node is linked.
inline rb_node* rb_prev(const rb_node* node) {
  if (node->rb_left != nullptr) {
    rb_node* n = node->rb_left;
    while (n->rb_right != nullptr) n = n->rb_right;
    return n;
  }
  rb_node* parent;
  while ((parent = node->rb_parent) != nullptr && node == parent->rb_left) node = parent;
  return parent;
}

// Links node in order: less(a, b) is a strict weak order on the nodes.
template <typename Less>
inline void rb_add(rb_node* node, rb_root* root, Less&& less) {
  rb_node** link = &root->rb_node;
  rb_node* parent = nullptr;
  while (*link != nullptr) {
    parent = *link;
    link = less(node, parent) ? &parent->rb_left : &parent->rb_right;
  }
  rb_link_node(node, parent, link);
  rb_insert_color(node, root);
}

// The leftmost node n with cmp(key, n) == 0, or nullptr; cmp returns <0,
// 0 or >0 as key is before, matches or is after n, consistently with the
// tree's order.
template <typename Key, typename Cmp>
inline rb_node* rb_find_first(const Key& key, const rb_root* root, Cmp&& cmp) {
  rb_node* n = root->rb_node;
  rb_node* match = nullptr;
  while (n != nullptr) {
    const int c = cmp(key, n);
    if (c <= 0) {
      if (c == 0) match = n;
      n = n->rb_left;
    } else {
      n = n->rb_right;
    }
  }
  return match;
}

}  // namespace kernel

#endif  // AIOSIM_KERNEL_MODEL_RBTREE_H_
