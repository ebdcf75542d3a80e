// Doubly linked intrusive lists, after include/linux/list.h.
//
// A list_head is either a list's head or a node embedded in an object; an
// empty head (or an unlinked node) points to itself. Nodes are found from
// their object and back with container_of(), which requires a standard-layout
// type (the compiler rejects offsetof on anything else, so misuse does not
// compile). Objects that are not standard-layout keep a back-pointer instead.
//
// Differences from the kernel: list_head is non-copyable (a copied head would
// point into the original) and default-constructs to the empty state, so
// INIT_LIST_HEAD is only needed to reset one. list_del() leaves the node
// self-pointing instead of poisoning it, so a double delete is harmless
// rather than a crash; invariant checkers look for misuse explicitly.
#ifndef AIOSIM_KERNEL_MODEL_LIST_H_
#define AIOSIM_KERNEL_MODEL_LIST_H_

#include <cstddef>

namespace kernel {

struct list_head {
  list_head* next;
  list_head* prev;
  list_head() : next(this), prev(this) {}
  list_head(const list_head&) = delete;
  list_head& operator=(const list_head&) = delete;
};

inline void INIT_LIST_HEAD(list_head* list) {
  list->next = list;
  list->prev = list;
}

inline void __list_add(list_head* n, list_head* prev, list_head* next) {
  next->prev = n;
  n->next = next;
  n->prev = prev;
  prev->next = n;
}

// Inserts n right after head (stack order).
inline void list_add(list_head* n, list_head* head) { __list_add(n, head, head->next); }
// Inserts n right before head, i.e. at the tail (queue order).
inline void list_add_tail(list_head* n, list_head* head) { __list_add(n, head->prev, head); }

inline void __list_del(list_head* prev, list_head* next) {
  next->prev = prev;
  prev->next = next;
}

inline void list_del_init(list_head* entry) {
  __list_del(entry->prev, entry->next);
  INIT_LIST_HEAD(entry);
}
inline void list_del(list_head* entry) { list_del_init(entry); }
inline void list_del_init_careful(list_head* entry) { list_del_init(entry); }

inline bool list_empty(const list_head* head) { return head->next == head; }
inline bool list_empty_careful(const list_head* head) {
  return head->next == head && head->prev == head;
}
inline bool list_is_singular(const list_head* head) {
  return !list_empty(head) && head->next == head->prev;
}

inline void list_move_tail(list_head* entry, list_head* head) {
  __list_del(entry->prev, entry->next);
  list_add_tail(entry, head);
}

// Moves every node of `list` to the front of `head`; `list` becomes empty.
inline void list_splice_init(list_head* list, list_head* head) {
  if (list_empty(list)) return;
  list_head* first = list->next;
  list_head* last = list->prev;
  list_head* at = head->next;
  first->prev = head;
  head->next = first;
  last->next = at;
  at->prev = last;
  INIT_LIST_HEAD(list);
}
// Moves every node of `list` to the tail of `head`; `list` becomes empty.
inline void list_splice_tail_init(list_head* list, list_head* head) {
  if (list_empty(list)) return;
  list_head* first = list->next;
  list_head* last = list->prev;
  list_head* at = head->prev;
  first->prev = at;
  at->next = first;
  last->next = head;
  head->prev = last;
  INIT_LIST_HEAD(list);
}

inline size_t list_count_nodes(const list_head* head) {
  size_t n = 0;
  for (const list_head* p = head->next; p != head; p = p->next) ++n;
  return n;
}

}  // namespace kernel

// The object of type `type` whose member `member` is at `ptr`.
#define container_of(ptr, type, member) \
  (reinterpret_cast<type*>(reinterpret_cast<char*>(ptr) - offsetof(type, member)))
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)

#endif  // AIOSIM_KERNEL_MODEL_LIST_H_
