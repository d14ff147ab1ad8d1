/* Quartiers prioritaires de la politique de la ville (QPV 2024): the perimeters of the QPV of the chosen territory
 * over its communes, coloured by the number of beneficiaries residing there in the chosen year, and beside the
 * map the table of those numbers, largest first. app.js calls window.ObservatoireQPV.afficher(territoire, annee)
 * at each display; the perimeters are window.OBSERVATOIRE_QPV (assets/qpv_geo.js, written by dataviz.py from
 * demo_data/ref/qpv), the communes window.OBSERVATOIRE_GEO.commune, the figures the rows of the open data
 * beneficiaires_par_qpv, window.OBSERVATOIRE_QPV_BENEFICIAIRES ([annee, code_qpv, nom_qpv, code_commune,
 * beneficiaires, secret]: one row per QPV and commune of residence, a masked count is null with secret 1). A QPV
 * over several communes is coloured by the sum of its parts in the territory when all are published, hatched
 * grey when one is masked. */
(function () {
  'use strict';

  const QPV = window.OBSERVATOIRE_QPV.features;
  const COMMUNES = window.OBSERVATOIRE_GEO.commune.features;
  const LIGNES = window.OBSERVATOIRE_QPV_BENEFICIAIRES;
  const COULEUR = '#e8590c';
  const SECRET = 'secret statistique';
  const GRIS_SECRET = '#b9bec7';
  const HACHURES = {  // as the maps of app.js
    symbol: 'rect', rotation: Math.PI / 4, color: 'rgba(255, 255, 255, 0.6)', dashArrayX: [1, 0], dashArrayY: [2, 3],
    symbolSize: 1,
  };
  const nombre = new Intl.NumberFormat('fr-FR');
  let graphique = null;
  let affiche = null;

  /** Is the commune (properties of the commune map) in territory t (niveau, code)? */
  function dansTerritoire(commune, t) {
    if (t.niveau === 'region') return true;
    if (t.niveau === 'departement') return commune.dep === t.code;
    if (t.niveau === 'ept') return commune.ept === t.code;
    return commune.code === t.code;
  }

  /** The rows of beneficiaires_par_qpv of the year in the communes `codes`, as {qpv, nom, commune, valeur, secret}. */
  function lignesDe(annee, codes) {
    return LIGNES.filter(function (l) { return l[0] === annee && codes.has(l[3]); }).map(function (l) {
      return { qpv: l[1], nom: l[2], commune: l[3], valeur: l[4], secret: l[5] === 1 };
    });
  }

  /** Published first (largest first), then masked, then zeros; ties by name. */
  function rang(l) { return l.secret ? 1 : (l.valeur > 0 ? 0 : 2); }
  function trier(a, b) {
    return rang(a) - rang(b) || (b.valeur || 0) - (a.valeur || 0) || a.nom.localeCompare(b.nom, 'fr');
  }

  function texte(l) { return l.secret ? SECRET : nombre.format(l.valeur); }

  /** The figure of a QPV polygon: {secret, valeur} from its rows (its parts in the territory), or null. */
  function figure(parties) {
    if (!parties || !parties.length) return null;
    if (parties.some(function (l) { return l.secret; })) return { secret: true, valeur: null };
    return { secret: false, valeur: parties.reduce(function (s, l) { return s + l.valeur; }, 0) };
  }

  function remplirTableau(lignes, noms) {
    const corps = document.getElementById('qpv-tableau');
    corps.replaceChildren.apply(corps, lignes.slice().sort(trier).map(function (l) {
      const tr = document.createElement('tr');
      tr.dataset.qpv = l.qpv;
      tr.dataset.commune = l.commune;
      [l.nom + (l.qpv === 'inconnu' ? '' : ' (' + l.qpv + ')'), noms.get(l.commune) || l.commune, texte(l)]
        .forEach(function (valeur, k) {
          const td = document.createElement('td');
          td.textContent = valeur;
          if (k === 2 && l.secret) td.className = 'est-secret';
          tr.appendChild(td);
        });
      return tr;
    }));
  }

  function afficher(t, annee) {
    const cle = t.niveau + ':' + t.code + ':' + annee;
    if (cle === affiche) return;  // a change of public leaves the panel as it is
    affiche = cle;
    const el = document.getElementById('carte-qpv');
    if (!graphique) {
      graphique = echarts.init(el, null, { locale: 'FR', renderer: 'canvas' });
      new ResizeObserver(function () { if (el.clientWidth && el.clientHeight) graphique.resize(); }).observe(el);
    }
    const communes = COMMUNES.filter(function (f) { return dansTerritoire(f.properties, t); });
    const codes = new Set(communes.map(function (f) { return f.properties.code; }));
    const quartiers = QPV.filter(function (f) {
      return f.properties.communes.some(function (c) { return codes.has(c); });
    });
    const noms = new Map(COMMUNES.map(function (f) { return [f.properties.code, f.properties.nom]; }));
    const lignes = lignesDe(annee, codes);
    remplirTableau(lignes, noms);
    const note = document.getElementById('note-qpv');
    if (!communes.length) {
      graphique.clear();
      note.textContent = 'Pas de carte des communes pour ce territoire.';
      return;
    }
    const parQpv = new Map();
    lignes.forEach(function (l) {
      if (!parQpv.has(l.qpv)) parQpv.set(l.qpv, []);
      parQpv.get(l.qpv).push(l);
    });
    const publies = quartiers.map(function (f) { return figure(parQpv.get(f.properties.code)); })
      .filter(function (x) { return x && !x.secret; });
    const maximum = Math.max.apply(null, [1].concat(publies.map(function (x) { return x.valeur; })));
    // one map per territory: its communes, then its QPV drawn over them
    const carte = 'qpv:' + t.niveau + ':' + t.code;
    if (!echarts.getMap(carte)) {
      echarts.registerMap(carte, { type: 'FeatureCollection', features: communes.concat(quartiers) });
    }
    graphique.setOption({
      animation: false,
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          if (!p.data) return noms.get(p.name) || p.name;
          const parties = (parQpv.get(p.name) || []).map(function (l) {
            return (noms.get(l.commune) || l.commune) + ' : ' + texte(l);
          });
          return '<strong>' + p.data.nom + '</strong><br>QPV ' + p.name + ' · '
            + p.data.communes.map(function (c) { return noms.get(c) || c; }).join(', ')
            + '<br>Bénéficiaires résidents en ' + annee
            + (parties.length ? ' — ' + parties.join(' ; ') : ' : aucun');
        },
      },
      series: [{
        type: 'map', map: carte, nameProperty: 'code', aspectScale: 0.66, roam: true, selectedMode: false,
        left: 8, right: 8, top: 8, bottom: 8,
        label: { show: false },
        itemStyle: { areaColor: '#eef1f5', borderColor: '#ffffff', borderWidth: 0.5 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#dde3ea' } },
        data: quartiers.map(function (f) {
          const x = figure(parQpv.get(f.properties.code));
          let couleur = 'rgba(232, 89, 12, 0.12)';
          if (x && x.secret) couleur = GRIS_SECRET;
          else if (x && x.valeur > 0) {
            couleur = 'rgba(232, 89, 12, ' + (0.3 + 0.65 * x.valeur / maximum).toFixed(2) + ')';
          }
          return {
            name: f.properties.code, nom: f.properties.nom, communes: f.properties.communes,
            etat: x ? (x.secret ? 'secret' : 'valeur') : 'absent', valeur: x ? x.valeur : null,
            itemStyle: {
              areaColor: couleur, borderColor: COULEUR, borderWidth: 1, decal: x && x.secret ? HACHURES : undefined,
            },
            emphasis: { itemStyle: { areaColor: 'rgba(232, 89, 12, 0.8)' } },
          };
        }),
      }],
    }, true);
    note.textContent = (quartiers.length
      ? nombre.format(quartiers.length) + (quartiers.length > 1 ? ' quartiers prioritaires' : ' quartier prioritaire')
        + ' (liste 2024 de l\u2019ANCT) dans ' + t.nom + ', colorés selon le nombre de bénéficiaires y résidant en '
        + annee + ' (plus foncé : plus nombreux ; gris hachuré : secret statistique).'
      : 'Aucun quartier prioritaire (liste 2024 de l\u2019ANCT) dans ' + t.nom + '.')
      + ' Le tableau donne les bénéficiaires résidant dans chaque quartier, par commune (données ouvertes'
      + ' beneficiaires_par_qpv).';
  }

  window.ObservatoireQPV = {
    afficher: afficher,
    get graphique() { return graphique; },
  };
}());
