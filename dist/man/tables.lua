-- A pandoc filter for the manual pages: each table of a docs page becomes
-- a definition list (the first column the term, the other columns its
-- text, each after its header), which fits any terminal; a table in a
-- manual page cannot wrap and overflows a narrow one.
local stringify = pandoc.utils.stringify

function Table(tbl)
  local head, items = {}, {}
  for _, row in ipairs(tbl.head.rows) do
    for i, cell in ipairs(row.cells) do
      head[i] = stringify(cell.contents)
    end
  end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local term, defs = {}, {}
      for i, cell in ipairs(row.cells) do
        local inl = pandoc.utils.blocks_to_inlines(cell.contents)
        if i == 1 then
          term = inl
        elseif #inl > 0 then
          if head[i] and head[i] ~= "" then
            table.insert(inl, 1, pandoc.Space())
            table.insert(inl, 1, pandoc.Emph({pandoc.Str(head[i] .. ":")}))
          end
          table.insert(defs, {pandoc.Para(inl)})
        end
      end
      if #defs == 0 then defs = {{pandoc.Para({})}} end
      table.insert(items, {term, defs})
    end
  end
  return pandoc.DefinitionList(items)
end
