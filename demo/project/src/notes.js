// A tiny notes store: the project baton's demo session works on.
export function createNotes() {
  const notes = [];
  return {
    add(text) {
      if (!text.trim()) throw new Error('a note needs text');
      notes.push({ id: notes.length + 1, text });
      return notes.length;
    },
    list: () => [...notes],
  };
}
