"""Graph values: ``Node``, ``Relationship`` and ``Path`` (as in ``neo4j.graph``)."""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Tuple


class Entity:
    """Common base of nodes and relationships: an element id and read-only properties."""

    __slots__ = ("_element_id", "_id", "_properties")

    def __init__(self, element_id: str, id: int = -1, properties: Optional[Dict[str, Any]] = None):
        self._element_id = element_id
        self._id = id
        self._properties = properties if properties is not None else {}

    @property
    def element_id(self) -> str:
        """The server's identifier for this entity (e.g. ``"4:abc:12"`` or ``"node_0"``)."""
        return self._element_id

    @property
    def id(self) -> int:
        """The legacy numeric id (deprecated by the server; -1 if it sent none)."""
        return self._id

    def __getitem__(self, name: str) -> Any:
        """The property ``name``, or None if there is none (as the official driver)."""
        return self._properties.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._properties

    def __len__(self) -> int:
        return len(self._properties)

    def __iter__(self) -> Iterator[str]:
        return iter(self._properties)

    def get(self, name: str, default: Any = None) -> Any:
        return self._properties.get(name, default)

    def keys(self):
        return self._properties.keys()

    def values(self):
        return self._properties.values()

    def items(self):
        return self._properties.items()

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._element_id == other._element_id  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self._element_id)


class Node(Entity):
    """A node: element id, labels and properties."""

    __slots__ = ("_labels",)

    def __init__(
        self,
        element_id: str,
        id: int = -1,
        labels: Any = (),
        properties: Optional[Dict[str, Any]] = None,
    ):
        Entity.__init__(self, element_id, id, properties)
        self._labels = frozenset(labels)

    @property
    def labels(self) -> FrozenSet[str]:
        return self._labels

    def __repr__(self) -> str:
        return "<Node element_id=%r labels=%r properties=%r>" % (
            self._element_id,
            self._labels,
            self._properties,
        )


class Relationship(Entity):
    """A relationship: element id, type, start and end node, properties."""

    __slots__ = ("_type", "_start_node", "_end_node")

    def __init__(
        self,
        element_id: str,
        id: int,
        type: str,
        start_node: Optional[Node],
        end_node: Optional[Node],
        properties: Optional[Dict[str, Any]] = None,
    ):
        Entity.__init__(self, element_id, id, properties)
        self._type = type
        self._start_node = start_node
        self._end_node = end_node

    @property
    def type(self) -> str:
        return self._type

    @property
    def start_node(self) -> Optional[Node]:
        """The start node: the node of the same result with that id (its labels and properties
        when the result carries it, only its ids otherwise)."""
        return self._start_node

    @property
    def end_node(self) -> Optional[Node]:
        return self._end_node

    @property
    def nodes(self) -> Tuple[Optional[Node], Optional[Node]]:
        return self._start_node, self._end_node

    def __repr__(self) -> str:
        return "<Relationship element_id=%r nodes=%r type=%r properties=%r>" % (
            self._element_id,
            (self._start_node and self._start_node.element_id, self._end_node and self._end_node.element_id),
            self._type,
            self._properties,
        )


class Path:
    """An alternating sequence of nodes and relationships."""

    __slots__ = ("_nodes", "_relationships")

    def __init__(self, nodes: List[Node], relationships: List[Relationship]):
        self._nodes = tuple(nodes)
        self._relationships = tuple(relationships)

    @property
    def nodes(self) -> Tuple[Node, ...]:
        return self._nodes

    @property
    def relationships(self) -> Tuple[Relationship, ...]:
        return self._relationships

    @property
    def start_node(self) -> Node:
        return self._nodes[0]

    @property
    def end_node(self) -> Node:
        return self._nodes[-1]

    def __len__(self) -> int:
        return len(self._relationships)

    def __iter__(self) -> Iterator[Relationship]:
        return iter(self._relationships)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Path)
            and self._nodes == other._nodes
            and self._relationships == other._relationships
        )

    def __hash__(self) -> int:
        return hash((self._nodes, self._relationships))

    def __repr__(self) -> str:
        return "<Path start=%r end=%r size=%d>" % (
            self.start_node.element_id,
            self.end_node.element_id,
            len(self),
        )


class _EntityView:
    """The nodes or relationships of a ``Graph``: iterable, sized, ``view[element_id]``."""

    def __init__(self, entities: Dict[str, Any]) -> None:
        self._entities = entities

    def __getitem__(self, element_id: str) -> Any:
        return self._entities[element_id]

    def __contains__(self, item: object) -> bool:
        key = item.element_id if isinstance(item, Entity) else item
        return key in self._entities

    def __len__(self) -> int:
        return len(self._entities)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._entities.values())


class Graph:
    """The nodes and relationships seen in one result (``Result.graph()``, as ``neo4j.graph.Graph``)."""

    def __init__(self) -> None:
        self._nodes: Dict[str, Node] = {}
        self._full: set = set()  # element ids of nodes whose labels and properties are known
        self._relationships: Dict[str, Relationship] = {}

    @property
    def nodes(self) -> _EntityView:
        return _EntityView(self._nodes)

    @property
    def relationships(self) -> _EntityView:
        return _EntityView(self._relationships)

    def relationship_type(self, name: str) -> List[Relationship]:
        """The relationships of type ``name``."""
        return [r for r in self._relationships.values() if r.type == name]

    def _node(self, n: Node) -> Node:
        """The graph's node for ``n``'s id; a node first known only as a relationship end
        takes the labels and properties of ``n`` (the same object stays in the relationships)."""
        known = self._nodes.get(n.element_id)
        if known is None:
            self._nodes[n.element_id] = n
            self._full.add(n.element_id)
            return n
        if n.element_id not in self._full:
            known._labels, known._properties = n._labels, n._properties
            self._full.add(n.element_id)
        return known

    def _end(self, n: Optional[Node]) -> Optional[Node]:
        if n is None:
            return None
        known = self._nodes.get(n.element_id)
        if known is None:
            self._nodes[n.element_id] = known = n
        return known

    def _absorb(self, x: Any) -> None:
        """Takes the graph values in ``x`` (nested in lists, maps and paths) into the graph,
        so that relationships share the nodes of the same result (as the official hydration)."""
        if isinstance(x, Node):
            self._node(x)
        elif isinstance(x, Relationship):
            x._start_node = self._end(x._start_node)
            x._end_node = self._end(x._end_node)
            self._relationships.setdefault(x.element_id, x)
        elif isinstance(x, Path):
            for n in x._nodes:
                self._node(n)
            for r in x._relationships:
                self._absorb(r)
        elif isinstance(x, (list, tuple)):
            for v in x:
                self._absorb(v)
        elif isinstance(x, dict):
            for v in x.values():
                self._absorb(v)
