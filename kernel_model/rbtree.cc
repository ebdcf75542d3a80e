// Red-black tree rebalancing, after lib/rbtree.c. Written in the textbook
// form (CLRS 13.3-13.4, with nullptr leaves counted black) rather than the
// kernel's hand-fused cases; the properties kept are the same: the root is
// black, a red node has no red child, and every path from a node down to a
// leaf passes the same number of black nodes.
#include "kernel_model/rbtree.h"

namespace kernel {

namespace {

bool is_red(const rb_node* n) { return n != nullptr && n->rb_red; }

// Puts new_child where old_child hangs under parent (or at the root).
void change_child(rb_node* old_child, rb_node* new_child, rb_node* parent, rb_root* root) {
  if (parent == nullptr) {
    root->rb_node = new_child;
  } else if (parent->rb_left == old_child) {
    parent->rb_left = new_child;
  } else {
    parent->rb_right = new_child;
  }
}

// x's right child takes x's place; x becomes its left child.
void rotate_left(rb_node* x, rb_root* root) {
  rb_node* y = x->rb_right;
  x->rb_right = y->rb_left;
  if (y->rb_left != nullptr) y->rb_left->rb_parent = x;
  y->rb_parent = x->rb_parent;
  change_child(x, y, x->rb_parent, root);
  y->rb_left = x;
  x->rb_parent = y;
}

// x's left child takes x's place; x becomes its right child.
void rotate_right(rb_node* x, rb_root* root) {
  rb_node* y = x->rb_left;
  x->rb_left = y->rb_right;
  if (y->rb_right != nullptr) y->rb_right->rb_parent = x;
  y->rb_parent = x->rb_parent;
  change_child(x, y, x->rb_parent, root);
  y->rb_right = x;
  x->rb_parent = y;
}

// After removing a black node: x (possibly nullptr, a leaf) under parent
// carries one black too few on its paths.
void erase_color(rb_node* x, rb_node* parent, rb_root* root) {
  while (x != root->rb_node && !is_red(x)) {
    if (x == parent->rb_left) {
      rb_node* w = parent->rb_right;  // not nullptr: its side has black height >= 1
      if (w->rb_red) {
        w->rb_red = false;
        parent->rb_red = true;
        rotate_left(parent, root);
        w = parent->rb_right;
      }
      if (!is_red(w->rb_left) && !is_red(w->rb_right)) {
        w->rb_red = true;
        x = parent;
        parent = x->rb_parent;
        continue;
      }
      if (!is_red(w->rb_right)) {
        w->rb_left->rb_red = false;
        w->rb_red = true;
        rotate_right(w, root);
        w = parent->rb_right;
      }
      w->rb_red = parent->rb_red;
      parent->rb_red = false;
      w->rb_right->rb_red = false;
      rotate_left(parent, root);
      x = root->rb_node;
    } else {
      rb_node* w = parent->rb_left;
      if (w->rb_red) {
        w->rb_red = false;
        parent->rb_red = true;
        rotate_right(parent, root);
        w = parent->rb_left;
      }
      if (!is_red(w->rb_left) && !is_red(w->rb_right)) {
        w->rb_red = true;
        x = parent;
        parent = x->rb_parent;
        continue;
      }
      if (!is_red(w->rb_left)) {
        w->rb_right->rb_red = false;
        w->rb_red = true;
        rotate_left(w, root);
        w = parent->rb_left;
      }
      w->rb_red = parent->rb_red;
      parent->rb_red = false;
      w->rb_left->rb_red = false;
      rotate_right(parent, root);
      x = root->rb_node;
    }
  }
  if (x != nullptr) x->rb_red = false;
}

}  // namespace

void rb_insert_color(rb_node* node, rb_root* root) {
  rb_node* parent;
  while ((parent = node->rb_parent) != nullptr && parent->rb_red) {
    rb_node* gparent = parent->rb_parent;  // not nullptr: a red node is not the root
    if (parent == gparent->rb_left) {
      rb_node* uncle = gparent->rb_right;
      if (is_red(uncle)) {
        parent->rb_red = false;
        uncle->rb_red = false;
        gparent->rb_red = true;
        node = gparent;
        continue;
      }
      if (node == parent->rb_right) {
        rotate_left(parent, root);
        node = parent;
        parent = node->rb_parent;
      }
      parent->rb_red = false;
      gparent->rb_red = true;
      rotate_right(gparent, root);
    } else {
      rb_node* uncle = gparent->rb_left;
      if (is_red(uncle)) {
        parent->rb_red = false;
        uncle->rb_red = false;
        gparent->rb_red = true;
        node = gparent;
        continue;
      }
      if (node == parent->rb_left) {
        rotate_right(parent, root);
        node = parent;
        parent = node->rb_parent;
      }
      parent->rb_red = false;
      gparent->rb_red = true;
      rotate_left(gparent, root);
    }
  }
  root->rb_node->rb_red = false;
}

void rb_erase(rb_node* node, rb_root* root) {
  rb_node* child;   // what moves up into the removed position
  rb_node* parent;  // child's parent afterwards
  bool removed_red;
  if (node->rb_left == nullptr || node->rb_right == nullptr) {
    child = node->rb_left != nullptr ? node->rb_left : node->rb_right;
    parent = node->rb_parent;
    removed_red = node->rb_red;
    if (child != nullptr) child->rb_parent = parent;
    change_child(node, child, parent, root);
  } else {
    // Two children: the successor (leftmost of the right subtree) is
    // spliced out of its place and takes node's place and colour.
    rb_node* succ = node->rb_right;
    while (succ->rb_left != nullptr) succ = succ->rb_left;
    child = succ->rb_right;
    removed_red = succ->rb_red;
    if (succ->rb_parent == node) {
      parent = succ;
    } else {
      parent = succ->rb_parent;
      if (child != nullptr) child->rb_parent = parent;
      parent->rb_left = child;
      succ->rb_right = node->rb_right;
      node->rb_right->rb_parent = succ;
    }
    succ->rb_left = node->rb_left;
    node->rb_left->rb_parent = succ;
    succ->rb_parent = node->rb_parent;
    succ->rb_red = node->rb_red;
    change_child(node, succ, node->rb_parent, root);
  }
  if (!removed_red) erase_color(child, parent, root);
  node->rb_left = nullptr;
  node->rb_right = nullptr;
  RB_CLEAR_NODE(node);
}

}  // namespace kernel
